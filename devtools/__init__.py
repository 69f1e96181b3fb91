"""Development tooling: the benchmark harness and its suites, portfolio generators and the invented demo
records. Installed with the dev extra (`make install`), never in production; see `devtools/pyproject.toml`."""
