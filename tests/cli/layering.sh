# layering.sh — sourced by tests/scenario_tests.sh. Issue 10 §6: no link-level cycle
# between the modules that build and run worlds and the models they drive. For each
# module's objects, `nm` lists the symbols it needs (U) and defines (T, D, B, R); a
# module needs another when it uses a symbol the other defines. The graph must be
# acyclic (tsort finds a topological order, else reports the loop; analysis/ is one
# module here), and the models
# (l1, txlog) must need neither world construction nor the run.

# layer NAME: the objects of one module, under $BUILD
layer() {
    case $1 in
        model)    echo "$BUILD/models/model.o" ;;
        world)    echo "$BUILD/models/world.o" ;;
        run)      echo "$BUILD/models/run/run.o" ;;
        estimate) echo "$BUILD/models/run/estimate.o" ;;
        txlog)    echo "$BUILD/models/txlog.o" ;;
        l1)       ls "$BUILD"/models/l1/*.o ;;
        workload) ls "$BUILD"/models/workload/*.o ;;
        registry) echo "$BUILD/models/run/registry.o" ;;
        phases)   echo "$BUILD/models/run/phases.o" ;;
        analysis) ls "$BUILD"/analysis/*.o ;;
    esac
}
# analysis: the run computes its metrics there, and compare and the report read a
# run's phases, so the run and analysis would loop if phases lived in run.o
layers="model world run estimate txlog l1 workload registry phases analysis"
edges="$tmp/layer-edges"
: >"$edges"
for a in $layers; do
    # shellcheck disable=SC2046
    nm -u $(layer "$a") 2>/dev/null | awk '{print $NF}' | sort -u >"$tmp/layer-needs"
    for b in $layers; do
        [ "$a" = "$b" ] && continue
        # shellcheck disable=SC2046
        nm --defined-only -g $(layer "$b") 2>/dev/null | awk '{print $NF}' | sort -u \
            >"$tmp/layer-defs"
        if [ -n "$(comm -12 "$tmp/layer-needs" "$tmp/layer-defs")" ]; then
            echo "$b $a" >>"$edges"          # tsort: b must come before a
            echo "$a needs $b: $(comm -12 "$tmp/layer-needs" "$tmp/layer-defs" | head -n 3 \
                 | tr '\n' ' ')" >>"$tmp/layer-why"
        fi
    done
done
[ -s "$edges" ] || note "no dependencies found: are the objects under $BUILD built?"
tsort "$edges" >/dev/null 2>"$tmp/layer-loop" \
    || note "a cycle: $(tr '\n' ' ' <"$tmp/layer-loop")"
for lower in l1 txlog model estimate workload; do
    for upper in world run; do
        grep -q "^$upper $lower\$" "$edges" \
            && note "$lower needs $upper ($(grep "^$lower needs $upper" "$tmp/layer-why"))"
    done
done
grep -q "^model l1\$" "$edges" || note "l1 should reach world_fail through models/model.o"
finish layering/no-link-cycles
