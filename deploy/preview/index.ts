/**
 * Preview environments: one per branch, isolated on the cluster's shared servers, rendered by
 * `orderscope deploy preview` (README, "Preview environments").
 */
export { previewNames, PREVIEW_DATABASES } from './preview-names';
export type { PreviewNames, PreviewDatabase } from './preview-names';
export { previewObjects, renderPreview, renderPreviewDeletion, previewUrl, PREVIEW_SECRET_KEYS, PREVIEW_LABEL, BRANCH_LABEL, COMMIT_LABEL, EXPIRES_LABEL } from './preview-manifest';
export type { PreviewOptions } from './preview-manifest';
export { provision, unprovision } from './provision';
export type { SharedServers, ProvisionStep } from './provision';
