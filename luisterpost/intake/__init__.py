"""`luisterpost run intake`: the front door. Signed or token-authenticated HTTP into `mentions.raw`."""
