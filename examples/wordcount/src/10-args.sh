# Options: -n N (how many words to show, default 5), then the files to read (stdin when none).
top=5
while getopts n: opt; do
  case $opt in
    n) top=$OPTARG ;;
    *) echo "usage: wordcount [-n N] [FILE...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
