data_dir = "./data"

route "contact" {
  patterns = ["contact_*.csv"]
}
