/** Moved: the reference price reader and `mixPlacesOrders` live in the one planner, src/workload/plan.ts. */
export { mixPlacesOrders, readReferencePrice, referencePrice } from '../workload/plan.js';
