data_dir = "data"
watch {
  settle = "2s"
  setle  = "3s"
}
