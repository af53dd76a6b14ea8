"""Reading and checking the TOML files of data/ and likelihoods/ into typed specifications."""
