"""What a data protection officer needs: subject access, erasure and retention."""
