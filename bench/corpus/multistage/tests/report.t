# test report
expect report
