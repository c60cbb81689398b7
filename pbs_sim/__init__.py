"""pbs_sim: a Proxmox Backup Server 4.2 API simulator over real HTTPS, for tests and the dev stack."""
