terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source                = "hashicorp/aws"
      version               = "~> 5.81"
      configuration_aliases = [aws.us_east_1]
    }
  }
}
