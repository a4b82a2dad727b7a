# The tables of the resource manifest: on-demand, point-in-time recovery, encrypted with the
# customer-managed key, TTL where the manifest names an attribute, protected from deletion.

resource "aws_dynamodb_table" "this" {
  for_each = var.tables

  name                        = "${var.name_prefix}-${each.key}"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = each.value.hashKey
  range_key                   = each.value.rangeKey
  deletion_protection_enabled = var.deletion_protection

  dynamic "attribute" {
    for_each = each.value.attributes

    content {
      name = attribute.key
      type = attribute.value
    }
  }

  dynamic "global_secondary_index" {
    for_each = each.value.globalSecondaryIndexes

    content {
      name            = global_secondary_index.value.name
      hash_key        = global_secondary_index.value.hashKey
      range_key       = global_secondary_index.value.rangeKey
      projection_type = global_secondary_index.value.projection
    }
  }

  dynamic "ttl" {
    for_each = each.value.ttlAttribute == null ? [] : [each.value.ttlAttribute]

    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
}
