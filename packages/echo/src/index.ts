export { ECHO_PROTOCOL, handleEcho } from './echo.js'
