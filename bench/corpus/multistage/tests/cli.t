# test cli
expect cli
