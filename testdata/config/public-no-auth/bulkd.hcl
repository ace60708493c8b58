http {
  listen = "0.0.0.0:8765"
}
