data_dir   = "data"
log_level  = "debug"
log_format = "json"
http {
  listen = "127.0.0.1:9999"
}
watch {
  settle      = "500ms"
  done_marker = true
}
retention {
  jobs = "24h"
}
tenant "acme" {}
tenant "globex" {}
