"""Instagram professional accounts (business and creator) through the Instagram API with Instagram Login."""
