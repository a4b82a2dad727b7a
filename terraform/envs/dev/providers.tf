provider "aws" {
  region              = var.region
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = {
      Project     = "leadflow"
      Environment = "dev"
      ManagedBy   = "terraform"
    }
  }
}

# CloudFront's certificate and web ACL must be created in us-east-1.
provider "aws" {
  alias               = "us_east_1"
  region              = "us-east-1"
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = {
      Project     = "leadflow"
      Environment = "dev"
      ManagedBy   = "terraform"
    }
  }
}
