namespace corral::gguf {}
