/** The schema URNs FirstKey's SCIM endpoint reads and writes (RFC 7643 sections 4 and 8.7). */
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** FirstKey's own extension: endDate (contractors), role, accountKind. */
export const FIRSTKEY_USER = 'urn:ietf:params:scim:schemas:extension:firstkey:2.0:User';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SCIM_MEDIA_TYPE = 'application/scim+json';
