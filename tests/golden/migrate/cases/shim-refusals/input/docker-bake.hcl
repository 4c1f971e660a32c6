target "default" {
  tags = ["registry.example.com/app:latest"]
}
