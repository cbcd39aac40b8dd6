import type { UserConfig } from 'vitest/config'
/** The shared Switchyard vitest configuration, merged with `overrides`. */
export declare function switchyardConfig(overrides?: UserConfig): UserConfig
