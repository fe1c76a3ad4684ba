/** The runs grid's fixed sizes. */
export const ROW_HEIGHT = 34
/** The checkbox and the run name, pinned on the left. */
export const LEAD_WIDTH = 300
