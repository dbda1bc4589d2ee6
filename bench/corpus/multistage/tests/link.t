# test link
expect link
