module corral/go_reference

go 1.19
