"""Sites (tenants): their keys, allowed origins and moderation policy."""
