# State in the bucket made by terraform/bootstrap, locked with an S3 lock file (no DynamoDB
# table needed). The bucket and its region are given at init, e.g.
#   terraform init -backend-config="bucket=leadflow-tfstate-123456789012" -backend-config="region=eu-west-1"
terraform {
  backend "s3" {
    key          = "leadflow/dev/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
