# count: the words of stdin, lower-cased, most frequent first ("COUNT WORD" lines).
count() {
  tr -cs 'A-Za-z' '\n' | tr 'A-Z' 'a-z' | grep -v '^$' | sort | uniq -c | sort -k1,1nr -k2,2
}
