import { switchyardConfig } from '@switchyard/vitest-config'

export default switchyardConfig()
