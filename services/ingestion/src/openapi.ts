import type { Operation } from '@leadflow/core';
import { leadApiOperations } from './api/lead-api.schema';
import { formSubmissionOperations } from './forms/form-submission.schema';
import { googleAdsOperations } from './google-ads/google-ads.schema';

/** Every operation this service answers, for the OpenAPI document. */
export const operations: Operation[] = [
  ...formSubmissionOperations,
  ...leadApiOperations,
  ...googleAdsOperations,
];
