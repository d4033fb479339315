// Keeps the test_support library non-empty.
