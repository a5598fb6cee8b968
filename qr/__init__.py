"""Per-project QR codes and printable site notices (维权信息告示牌)."""
