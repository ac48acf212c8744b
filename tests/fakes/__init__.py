"""Protocol-speaking doubles of outside services (DataCite), for the tests and benchmarks."""
