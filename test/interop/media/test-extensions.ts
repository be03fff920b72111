// Test extensions for the media tests, dropped into a copy of the conf as
// dialplan/default/00_local_extensions.xml: 71<ext> bridges in bypass mode, 72<ext> in proxy
// mode, 73<ext> in default mode (without the ringback Local_Extension sets).
export const TEST_EXTENSIONS = `<include>
  <extension name="test_bypass">
    <condition field="destination_number" expression="^71(10[01][0-9])$">
      <action application="set" data="bypass_media=true"/>
      <action application="bridge" data="user/$1@\${domain_name}"/>
    </condition>
  </extension>
  <extension name="test_proxy">
    <condition field="destination_number" expression="^72(10[01][0-9])$">
      <action application="set" data="proxy_media=true"/>
      <action application="bridge" data="user/$1@\${domain_name}"/>
    </condition>
  </extension>
  <extension name="test_default">
    <condition field="destination_number" expression="^73(10[01][0-9])$">
      <action application="bridge" data="user/$1@\${domain_name}"/>
    </condition>
  </extension>
</include>
`;
