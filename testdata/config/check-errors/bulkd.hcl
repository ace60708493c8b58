# Every problem here is one only the environment and the disk show: each
# is reported, once, by both config check and run.
data_dir = "bulkd.hcl/data"
auth {
  jwt_secret_env = "BULKD_TEST_UNSET_JWT"
}
tenant "acme" {
  token {
    secret_env = "BULKD_TEST_UNSET_TOKEN"
    scopes     = ["admin"]
  }
}
