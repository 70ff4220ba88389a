<?php
/**
 * Plugin Name:       callpool call tracking
 * Description:       Shows each visitor a callpool tracking number (dynamic number insertion): adds the callpool script to every page.
 * Version:           1.0.0
 * Requires at least: 5.0
 * Requires PHP:      7.4
 * License:           MIT
 * Text Domain:       callpool
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const CALLPOOL_OPTION_BASE_URL = 'callpool_base_url';
const CALLPOOL_OPTION_KEY      = 'callpool_website_key';

/**
 * The script tag, with the attributes that keep caching and "delay JavaScript" plugins (LiteSpeed Cache,
 * Cloudflare Rocket Loader, WP Rocket, Autoptimize) from deferring or bundling it: a deferred swap shows the
 * original number. The meta tag stops iOS Safari from linking the number before it is swapped.
 */
function callpool_head_html( $base_url, $key ) {
	$src = $base_url . '/dni/' . rawurlencode( $key ) . '.js';
	return '<meta name="format-detection" content="telephone=no">' . "\n"
		. '<script async src="' . esc_url( $src ) . '" data-no-optimize="1" data-cfasync="false" nowprocket></script>' . "\n";
}

function callpool_sanitize_base_url( $value ) {
	$value = trim( (string) $value );
	if ( ! preg_match( '#^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[^\s"\'<>]*)?$#', $value ) ) {
		return '';
	}
	return rtrim( esc_url_raw( $value ), '/' );
}

function callpool_sanitize_key( $value ) {
	return substr( preg_replace( '/[^A-Za-z0-9_-]/', '', (string) $value ), 0, 40 );
}

function callpool_print_head() {
	$base_url = callpool_sanitize_base_url( get_option( CALLPOOL_OPTION_BASE_URL, '' ) );
	$key      = callpool_sanitize_key( get_option( CALLPOOL_OPTION_KEY, '' ) );
	if ( '' === $base_url || '' === $key ) {
		return;
	}
	echo callpool_head_html( $base_url, $key ); // phpcs:ignore WordPress.Security.EscapeOutput -- escaped in callpool_head_html.
}
// Priority 1: as early in <head> as possible, so the swap happens before the visitor reads the number.
add_action( 'wp_head', 'callpool_print_head', 1 );

function callpool_settings_init() {
	register_setting( 'callpool', CALLPOOL_OPTION_BASE_URL, array( 'type' => 'string', 'sanitize_callback' => 'callpool_sanitize_base_url', 'default' => '' ) );
	register_setting( 'callpool', CALLPOOL_OPTION_KEY, array( 'type' => 'string', 'sanitize_callback' => 'callpool_sanitize_key', 'default' => '' ) );
	add_settings_section( 'callpool_main', __( 'Snippet', 'callpool' ), 'callpool_section_text', 'callpool' );
	add_settings_field( CALLPOOL_OPTION_BASE_URL, __( 'callpool address', 'callpool' ), 'callpool_field_base_url', 'callpool', 'callpool_main' );
	add_settings_field( CALLPOOL_OPTION_KEY, __( 'Website key', 'callpool' ), 'callpool_field_key', 'callpool', 'callpool_main' );
}
add_action( 'admin_init', 'callpool_settings_init' );

function callpool_section_text() {
	echo '<p>' . esc_html__( 'Both values are on the callpool dashboard, page "Install".', 'callpool' ) . '</p>';
}

function callpool_field_base_url() {
	printf(
		'<input type="url" class="regular-text" name="%1$s" id="%1$s" value="%2$s" placeholder="https://calls.example.com">',
		esc_attr( CALLPOOL_OPTION_BASE_URL ),
		esc_attr( get_option( CALLPOOL_OPTION_BASE_URL, '' ) )
	);
}

function callpool_field_key() {
	printf(
		'<input type="text" class="regular-text" name="%1$s" id="%1$s" value="%2$s" pattern="[A-Za-z0-9_-]+">',
		esc_attr( CALLPOOL_OPTION_KEY ),
		esc_attr( get_option( CALLPOOL_OPTION_KEY, '' ) )
	);
}

function callpool_settings_page() {
	if ( ! current_user_can( 'manage_options' ) ) {
		return;
	}
	echo '<div class="wrap"><h1>' . esc_html__( 'callpool call tracking', 'callpool' ) . '</h1>';
	echo '<form action="options.php" method="post">';
	settings_fields( 'callpool' );
	do_settings_sections( 'callpool' );
	submit_button();
	echo '</form></div>';
}

function callpool_admin_menu() {
	add_options_page( __( 'callpool', 'callpool' ), __( 'callpool', 'callpool' ), 'manage_options', 'callpool', 'callpool_settings_page' );
}
add_action( 'admin_menu', 'callpool_admin_menu' );
