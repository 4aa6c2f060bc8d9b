/** Stable dashboard uids: links, bookmarks and provisioning rely on them never changing. */
export const DASHBOARD_UIDS = {
  overview: 'orderscope-overview',
  timeInState: 'orderscope-time-in-state',
  lostOrders: 'orderscope-lost-orders',
  pipelineHealth: 'orderscope-pipeline-health',
} as const;
