log_level = "loud"
watch {
  setle  = "3s"
  rescan = "often"
}
