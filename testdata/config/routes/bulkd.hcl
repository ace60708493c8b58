route "contacts" {
  patterns = ["contact_*.csv"]
}
