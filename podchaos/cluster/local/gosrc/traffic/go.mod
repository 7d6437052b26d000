module podchaos.local/traffic

go 1.25.0
