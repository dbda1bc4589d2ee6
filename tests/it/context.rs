//! Context walking, `.dockerignore` and content hashes.
