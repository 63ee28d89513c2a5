// One plan measurement in a process of its own, so its peak RSS is the plan's: prints the figures as JSON.
import { measurePlan } from './plan';

const [count, groups] = process.argv.slice(2).map(Number);
const figures = measurePlan(count, groups);
console.log(JSON.stringify({ ...figures, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
