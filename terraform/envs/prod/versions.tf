terraform {
  # 1.10 brings S3-native state locking (use_lockfile); the modules themselves need 1.6.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.81"
    }
  }
}
