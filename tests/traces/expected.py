#!/usr/bin/env python3
"""Expected base fees of a trace replay, computed independently of l2sim's C code.

For each case below, reads the trace CSV and writes CASE.expected.csv: for every
block (height 1, 2, ...) the base fee per gas, excess blob gas and blob base fee in
force for that block, starting from the case's initial values, with the trace's
gas_limit / gas_used / blob_gas_used carried along. tests/test_trace.c compares
the l1_blocks table of a replay run against these files.

The rules are transcribed from the EIP texts (Python pseudocode there, Python here,
big integers throughout), not from l2sim:
  EIP-1559  base fee update (ELASTICITY_MULTIPLIER 2, BASE_FEE_MAX_CHANGE_DENOMINATOR 8)
  EIP-4844  calc_excess_blob_gas, fake_exponential, get_base_fee_per_blob_gas
  EIP-7691  Prague blob schedule (target 6, max 9, update fraction 5007716)
  EIP-7918  Osaka reserve price in calc_excess_blob_gas (BLOB_BASE_COST 2**13)

Usage: python3 tests/traces/expected.py          write the .expected.csv files
       python3 tests/traces/expected.py --check  exit 1 if any is out of date
Standard library only.
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# EIP-1559
ELASTICITY_MULTIPLIER = 2
BASE_FEE_MAX_CHANGE_DENOMINATOR = 8
# EIP-4844
GAS_PER_BLOB = 2**17
MIN_BASE_FEE_PER_BLOB_GAS = 1
# EIP-7918
BLOB_BASE_COST = 2**13

# Blob schedules (EIP-4844 for Cancun, EIP-7691 for Prague; Osaka keeps Prague's
# schedule and adds EIP-7918): target blobs, max blobs, update fraction, EIP-7918.
FORKS = {
    "cancun": (3, 6, 3338477, False),
    "prague": (6, 9, 5007716, False),
    "osaka": (6, 9, 5007716, True),
}

# name, trace, fork, l1.base_fee.initial (wei), l1.blobs.initial_excess (blob gas).
# test_trace.c holds the same table.
CASES = [
    ("replay-prague", "replay.csv", "prague", 50 * 10**9, 100_000_000),
    ("replay-osaka", "replay.csv", "osaka", 6 * 10**9, 100_000_000),
    ("replay-floor", "replay-floor.csv", "prague", 20, 131072),
    ("mainnet-20013090", "mainnet-20013090.csv", "cancun", 13726822059, 262144),
]


def next_base_fee(parent_gas_limit, parent_gas_used, parent_base_fee_per_gas):
    """EIP-1559, Specification: the expected base fee of the child block."""
    parent_gas_target = parent_gas_limit // ELASTICITY_MULTIPLIER
    if parent_gas_used == parent_gas_target:
        return parent_base_fee_per_gas
    elif parent_gas_used > parent_gas_target:
        gas_used_delta = parent_gas_used - parent_gas_target
        base_fee_per_gas_delta = max(
            parent_base_fee_per_gas * gas_used_delta // parent_gas_target
            // BASE_FEE_MAX_CHANGE_DENOMINATOR, 1)
        return parent_base_fee_per_gas + base_fee_per_gas_delta
    else:
        gas_used_delta = parent_gas_target - parent_gas_used
        base_fee_per_gas_delta = (parent_base_fee_per_gas * gas_used_delta
                                  // parent_gas_target // BASE_FEE_MAX_CHANGE_DENOMINATOR)
        return parent_base_fee_per_gas - base_fee_per_gas_delta


def fake_exponential(factor, numerator, denominator):
    """EIP-4844, Helpers."""
    i = 1
    output = 0
    numerator_accum = factor * denominator
    while numerator_accum > 0:
        output += numerator_accum
        numerator_accum = (numerator_accum * numerator) // (denominator * i)
        i += 1
    return output // denominator


def base_fee_per_blob_gas(excess_blob_gas, fork):
    """EIP-4844 get_base_fee_per_blob_gas, with the fork's update fraction (EIP-7840)."""
    return fake_exponential(MIN_BASE_FEE_PER_BLOB_GAS, excess_blob_gas, FORKS[fork][2])


def next_excess_blob_gas(parent_excess_blob_gas, parent_blob_gas_used,
                         parent_base_fee_per_gas, fork):
    """EIP-4844 calc_excess_blob_gas; from Osaka with EIP-7918's reserve price."""
    target, maximum, _, eip7918 = FORKS[fork]
    target_blob_gas = target * GAS_PER_BLOB
    if parent_excess_blob_gas + parent_blob_gas_used < target_blob_gas:
        return 0
    if eip7918 and (BLOB_BASE_COST * parent_base_fee_per_gas
                    > GAS_PER_BLOB * base_fee_per_blob_gas(parent_excess_blob_gas, fork)):
        return (parent_excess_blob_gas
                + parent_blob_gas_used * (maximum - target) // maximum)
    return parent_excess_blob_gas + parent_blob_gas_used - target_blob_gas


def integer(text):
    text = text.strip()
    return int(text, 16) if text.lower().startswith("0x") else int(text)


def read_trace(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    for line, row in enumerate(rows, 2):
        if None in row or None in row.values():
            sys.exit(f"{path}:{line}: not as many fields as the header")
    return rows


def replay(rows, fork, base_fee, excess):
    """Rows of the expected table: the prices in force for each block, then the
    update from that block's usage to the next block's prices."""
    out = []
    for height, row in enumerate(rows, 1):
        gas_limit = integer(row["gas_limit"])
        gas_used = integer(row["gas_used"])
        blob_gas_used = integer(row.get("blob_gas_used") or "0")
        blob_base_fee = base_fee_per_blob_gas(excess, fork)
        out.append((height, gas_limit, gas_used, blob_gas_used, base_fee, excess,
                    blob_base_fee))
        next_fee = next_base_fee(gas_limit, gas_used, base_fee)
        excess = next_excess_blob_gas(excess, blob_gas_used, base_fee, fork)
        base_fee = next_fee
    return out


HEADER = ("height,gas_limit,gas_used,blob_gas_used,base_fee_per_gas,excess_blob_gas,"
          "blob_base_fee\n")


def render(table):
    return HEADER + "".join(",".join(str(v) for v in r) + "\n" for r in table)


def main():
    check = "--check" in sys.argv[1:]
    stale = 0
    for name, trace, fork, base_fee, excess in CASES:
        rows = read_trace(os.path.join(HERE, trace))
        table = replay(rows, fork, base_fee, excess)
        # A trace of real blocks records its base fees: the rules must give them back,
        # else either the data or this script is wrong and nothing is written.
        for (height, _, _, _, fee, exc, _), row in zip(table, rows):
            for col, got in (("base_fee_per_gas", fee), ("excess_blob_gas", exc)):
                if col in row and integer(row[col]) != got:
                    sys.exit(f"{trace}: block {height}: {col} is {row[col]} on chain, "
                             f"the EIP rules give {got}")
        text = render(table)
        path = os.path.join(HERE, name + ".expected.csv")
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old == text:
            continue
        if check:
            print(f"{path}: out of date (run {sys.argv[0]})", file=sys.stderr)
            stale += 1
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            print(f"wrote {path}")
    sys.exit(1 if stale else 0)


if __name__ == "__main__":
    main()
