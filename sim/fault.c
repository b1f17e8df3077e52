/* fault.c — see fault.h. */
#include "sim/fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every fault some model can fire: a misspelt name must not arm nothing silently. */
static const char *const known[] = {
    "l1.burn", "l1.nonce", "mempool.cap", "scheme_l1.receipt", "block_stuffing.spend",
    "block_stuffing.commit", "censorship.blocks", "l1.txs_fee", "users.spend",
    "channel.commit", "channel.payout", "channel.hub_reserve", "channel.post_sig", "channel.update_sig", "channel.update_stale", "sidechain.bridge_escrow", "dispute.bond", "invalid_root.paid",
    "plasma.contract_holdings", "rollup.escrow", "sidechain.mint", "rollup.payout",
    "sidechain.conflict", "sidechain.bridge_overpay", "l1.txs_payer", "dispute.reward",
    "users.reserve", "rollup.receipt", "plasma.receipt", "sidechain.receipt",
};

static _Noreturn void bad_spec(const char *v, const char *why)
{
    fprintf(stderr, "l2sim: L2SIM_FAULT='%s': %s\n", v, why);
    exit(2);
}

static int  state;              /* 0: not read yet, 1: nothing armed, 2: armed */
static char armed[64];
static unsigned long long at, seen;

bool fault_fire(const char *name)
{
    if (state == 1)
        return false;
    if (state == 0) {
        const char *v = getenv("L2SIM_FAULT");
        state = 1;
        if (!v || !*v)
            return false;
        if (strlen(v) >= sizeof armed)
            bad_spec(v, "too long");
        strcpy(armed, v);
        char *n = strchr(armed, '@');
        at = 1;
        if (n) {
            char *end;
            *n = '\0';
            at = strtoull(n + 1, &end, 10);
            if (n[1] < '0' || n[1] > '9' || *end || at == 0)
                bad_spec(v, "NAME@N needs a whole number N >= 1");
        }
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof *known; i++)
            ok |= strcmp(armed, known[i]) == 0;
        if (!ok)
            bad_spec(v, "no such fault (sim/fault.c lists them)");
        state = 2;
    }
    if (strcmp(name, armed) != 0)
        return false;
    if (++seen != at)
        return false;
    return true;
}
