# bulkd sample configuration. Every key is optional; the values shown are
# the embedded defaults. Relative paths resolve against this file's folder.

data_dir   = "./bulkd-data"
log_level  = "info"   # trace debug info warn error
log_format = "text"   # or "json"
dedupe     = true     # skip a file byte-identical to one already imported

http {
  listen = "127.0.0.1:8765"   # loopback only until authentication is configured
  # Another address also needs TLS (or trusted_network = true): a token
  # must not cross the network in clear. The files are read again when
  # they change and on SIGHUP (systemctl reload bulkd), so a renewal needs
  # no restart.
  # tls_cert_file   = "/etc/bulkd/tls/cert.pem"
  # tls_key_file    = "/etc/bulkd/tls/key.pem"
  # trusted_network = false
}

watch {
  # root      = "<data_dir>/gis"  # one folder per tenant
  settle      = "2s"     # size and mtime unchanged this long => complete
  rescan      = "30s"    # full rescan, catches what fsnotify missed
  media_wait  = "5m"     # used by the contacts kind
  done_marker = false    # true: take a file only once <name>.done exists
}

retention {
  jobs     = "480h"   # 20 days, as the agents API keeps uploads
  archives = "168h"   # archived files kept one week
}

# Bounds on every input (0 or unset: the default shown). See the README's
# "Reliability and limits".
limits {
  max_record_bytes      = 1048576      # one CSV record or JSON contact
  max_columns           = 2000         # CSV header
  zip_max_bytes         = 17179869184  # 16 GiB unpacked for one job's ZIPs
  zip_max_entries       = 100000
  zip_max_ratio         = 200          # unpacked / packed, per entry past 1 MiB
  upload_max_file_bytes = 1073741824   # one file of a contacts upload (recordings can be large)
  upload_max_bytes      = 8589934592   # a whole contacts upload
  upload_max_parts      = 10000
  min_body_rate         = 1024         # bytes a second, on average ...
  body_grace            = "30s"        # ... once this has passed
}

# Tenants are discovered as folders under watch.root; declaring one here
# creates its folder at start-up.
# tenant "acme" {
#   encoding = "windows-1252"   # CSV and JSON files not in UTF-8 (also iso-8859-1, utf-16)
# }

# Authentication (see the README): without an auth block or a token, bulkd
# serves on loopback only and takes the tenant from X-Tenant.
# auth {
#   jwt_secret_env = "BULKD_JWT_SECRET"
# }
# tenant "globex" {
#   token {
#     secret_env = "GLOBEX_TOKEN"
#     scopes     = ["jobs:read", "agents:read", "contacts:read"]
#   }
# }
