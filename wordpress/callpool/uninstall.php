<?php
// Deleting the plugin removes its two settings.
if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}
delete_option( 'callpool_base_url' );
delete_option( 'callpool_website_key' );
