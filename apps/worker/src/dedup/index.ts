export { createRedisWindowStore, type RedisWindowStoreOptions } from './redis-window-store.js';
