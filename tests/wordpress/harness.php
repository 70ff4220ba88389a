<?php
/**
 * Loads the callpool WordPress plugin with the few WordPress functions it calls stubbed, runs one hook and
 * prints what WordPress would. Usage: php harness.php PLUGIN_FILE OPTIONS_JSON (wp_head|settings_page|registered|uninstall)
 * Escaping stubs follow WordPress's behaviour closely enough for the checks (esc_url refuses non-http schemes).
 */

define( 'ABSPATH', __DIR__ . '/' );

$plugin_file          = $argv[1];
$GLOBALS['wp_options'] = json_decode( $argv[2], true ) ?: array();
$mode                 = $argv[3];
$GLOBALS['wp_actions'] = array();
$GLOBALS['wp_settings'] = array();
$GLOBALS['wp_calls']   = array();

function add_action( $hook, $callback, $priority = 10 ) {
	$GLOBALS['wp_actions'][ $hook ][ $priority ][] = $callback;
}
function do_action( $hook ) {
	$by_priority = $GLOBALS['wp_actions'][ $hook ] ?? array();
	ksort( $by_priority );
	foreach ( $by_priority as $callbacks ) {
		foreach ( $callbacks as $callback ) {
			call_user_func( $callback );
		}
	}
}
function get_option( $name, $default = false ) {
	return array_key_exists( $name, $GLOBALS['wp_options'] ) ? $GLOBALS['wp_options'][ $name ] : $default;
}
function delete_option( $name ) {
	unset( $GLOBALS['wp_options'][ $name ] );
	return true;
}
function register_setting( $group, $name, $args = array() ) {
	$GLOBALS['wp_settings'][ $name ] = array( 'group' => $group, 'sanitize' => $args['sanitize_callback'] ?? null );
}
function add_settings_section( $id, $title, $callback, $page ) {
	$GLOBALS['wp_calls'][] = array( 'section', $id, $page );
	$GLOBALS['wp_sections'][ $page ][] = array( $title, $callback );
}
function add_settings_field( $id, $title, $callback, $page, $section ) {
	$GLOBALS['wp_fields'][ $page ][] = array( $title, $callback );
}
function add_options_page( $page_title, $menu_title, $capability, $slug, $callback ) {
	$GLOBALS['wp_calls'][] = array( 'options_page', $slug, $capability );
	$GLOBALS['wp_pages'][ $slug ] = $callback;
}
function settings_fields( $group ) {
	echo '<input type="hidden" name="option_page" value="' . esc_attr( $group ) . '">';
}
function do_settings_sections( $page ) {
	foreach ( $GLOBALS['wp_sections'][ $page ] ?? array() as $section ) {
		echo '<h2>' . esc_html( $section[0] ) . '</h2>';
		call_user_func( $section[1] );
	}
	foreach ( $GLOBALS['wp_fields'][ $page ] ?? array() as $field ) {
		echo '<label>' . esc_html( $field[0] ) . '</label>';
		call_user_func( $field[1] );
	}
}
function submit_button() {
	echo '<input type="submit" value="Save Changes">';
}
function current_user_can( $capability ) {
	return 'manage_options' === $capability;
}
function __( $text, $domain = 'default' ) {
	return $text;
}
function esc_html( $text ) {
	return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' );
}
function esc_html__( $text, $domain = 'default' ) {
	return esc_html( $text );
}
function esc_attr( $text ) {
	return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' );
}
function esc_url_raw( $url ) {
	return preg_match( '#^https?://#i', $url ) ? preg_replace( '/[^A-Za-z0-9\-._~:\/?\#\[\]@!$&\'()*+,;=%]/', '', $url ) : '';
}
function esc_url( $url ) {
	return str_replace( '&', '&#038;', esc_html( esc_url_raw( $url ) ) );
}

require $plugin_file;

switch ( $mode ) {
	case 'wp_head':
		do_action( 'wp_head' );
		break;
	case 'settings_page':
		do_action( 'admin_init' );
		do_action( 'admin_menu' );
		call_user_func( $GLOBALS['wp_pages']['callpool'] );
		break;
	case 'registered':
		do_action( 'admin_init' );
		do_action( 'admin_menu' );
		$sanitized = array();
		foreach ( $GLOBALS['wp_settings'] as $name => $setting ) {
			$sanitized[ $name ] = call_user_func( $setting['sanitize'], get_option( $name, '' ) );
		}
		echo json_encode( array( 'settings' => array_keys( $GLOBALS['wp_settings'] ), 'sanitized' => $sanitized, 'calls' => $GLOBALS['wp_calls'] ) );
		break;
	case 'uninstall':
		define( 'WP_UNINSTALL_PLUGIN', true );
		require dirname( $plugin_file ) . '/uninstall.php';
		echo json_encode( $GLOBALS['wp_options'] );
		break;
}
