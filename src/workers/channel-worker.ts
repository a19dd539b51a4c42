// Channel worker entry (issue 4).
export {};
