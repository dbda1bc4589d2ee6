# main: the top words of the files (or stdin), one "WORD COUNT" line each.
cat "$@" | count | head -n "$top" | while read -r n word; do
  printf "%-12s %s\n" "$word" "$n"
done
