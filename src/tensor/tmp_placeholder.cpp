namespace corral {}
