tenant "acme" {
  token {
    secret_env = "BULKD_TEST_UNSET_TOKEN"
    scopes     = ["admin"]
  }
}
