# Helpers of the flood tests (tests/e2e/quarantine_flood*.sh), sourced after
# e2e.sh with Q set: gen_flood writes a flood stream and its valid part, and
# the checks compare the store of the flooded run with that of the valid
# part alone, read the summary, and check that every item is accounted for.

# gen_flood KIND VALIDATORS EPOCHS COUNT NAME: writes $T/NAME.wq (the valid
# stream with a flood) and $T/NAME.wq.valid; sets flood_items (the flood's
# items written).
gen_flood() {
    $Q gen --flood "$1" --validators "$2" --epochs "$3" --count "$4" --seed 9 --out "$T/$5.wq" >"$T/$5.gen" 2>&1 ||
        { cat "$T/$5.gen"; fail "gen --flood $1 --count $4"; }
    flood_items=$(sed -n 's/.* frames, \([0-9]*\) of them the flood .*/\1/p' "$T/$5.gen")
    [ -n "$flood_items" ] || { cat "$T/$5.gen"; fail "gen --flood $1: no count of flood items"; }
}

# counter DB NAME: the value of counter NAME in the store DB.
counter() { sqlite3 "$1" "SELECT value FROM counters WHERE name = '$2'"; }

# valid_rows_equal VALID_DB FLOOD_DB WHAT: the valid peer's items all cleared,
# in the same order: the blocks and attestations tables (seq included) of
# the two stores are the same.
valid_rows_equal() {
    local t
    for t in blocks attestations; do
        sqlite3 "$1" "SELECT * FROM $t ORDER BY seq" >"$T/v.rows"
        sqlite3 "$2" "SELECT * FROM $t ORDER BY seq" >"$T/f.rows"
        [ -s "$T/v.rows" ] || bad "$3: the valid stream cleared no $t"
        cmp -s "$T/v.rows" "$T/f.rows" ||
            bad "$3: $t differ from the valid stream's ($(wc -l <"$T/v.rows") rows there, $(wc -l <"$T/f.rows") here)"
    done
}

# accounted VALID_DB FLOOD_DB FLOOD_ITEMS WHAT: every item of the flooded
# run has one verdict: received is the valid run's plus the flood's, the sum
# rule of spec section 7 holds, and each drop counter equals the rejects rows
# with that verdict.
accounted() {
    local rv rf sum c v
    rv=$(counter "$1" received); rf=$(counter "$2" received)
    [ "$rf" = $((rv + $3)) ] || bad "$4: received $rf, not $rv valid + $3 flood items"
    sum=0
    for c in cleared rejected ignored slashable evicted expired unviable held_at_end; do
        sum=$((sum + $(counter "$2" $c)))
    done
    [ "$sum" = "$rf" ] || bad "$4: received $rf but the verdicts sum to $sum"
    for v in REJECT:rejected IGNORE:ignored SLASHABLE:slashable EVICTED:evicted EXPIRED:expired \
             UNVIABLE:unviable HELD_AT_END:held_at_end; do
        [ "$(sqlite3 "$2" "SELECT count(*) FROM rejects WHERE verdict = '${v%%:*}'")" = "$(counter "$2" "${v#*:}")" ] ||
            bad "$4: counter ${v#*:} is not the number of ${v%%:*} rows"
    done
}

# summary_field LOG WHAT: from a run's summary: "orphans", "pending",
# "unviable" (the peaks line: N of N/BOUND) or "peak RSS" (KiB).
summary_field() {
    case $2 in
        "peak RSS") sed -n 's/^  memory: peak RSS \([0-9]*\) KiB.*/\1/p' "$1" ;;
        *) sed -n "s/^  peaks: .*$2 \([0-9]*\)\/.*/\1/p" "$1" ;;
    esac
}

# flat SHORT_LOG LONG_LOG WHAT: the long flood's peak RSS is within 1.25x of
# the short one's (not under a sanitizer, whose resident set is its own).
flat() {
    local s l
    s=$(summary_field "$1" "peak RSS"); l=$(summary_field "$2" "peak RSS")
    [ -n "$s" ] && [ -n "$l" ] || { bad "$3: no peak RSS in the summaries"; return; }
    echo "$3: peak RSS $s KiB short, $l KiB long"
    [ -n "$(sanitizer "$Q")" ] || [ $((4 * l)) -le $((5 * s)) ] || bad "$3: peak RSS $l KiB > 1.25 x $s KiB"
}
