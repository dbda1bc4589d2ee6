# test core
expect core
